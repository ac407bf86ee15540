import assert from 'node:assert/strict';
import { test } from 'node:test';
import { presentStatus } from '../src/status';

test('connected shows the Pharo version; a click shows the output', () => {
  const s = presentStatus({ folder: 'file:///w', state: 'connected', pharoVersion: 'Pharo 12.0' });
  assert.equal(s.text, '$(check) Pharo Pharo 12.0');
  assert.equal(s.action, 'showOutput');
  assert.equal(s.error, false);
});

test('disconnected shows the reason and how to fix it; a click retries', () => {
  const s = presentStatus({ folder: 'file:///w', state: 'disconnected', reason: 'connection refused' }, 'w');
  assert.match(s.text, /debug-disconnect.* w$/);
  assert.match(s.tooltip, /connection refused/);
  assert.match(s.tooltip, /stui\.endpoint/);
  assert.equal(s.action, 'restartSession');
  assert.equal(s.error, true);
});

test('evaluating spins; a click interrupts', () => {
  const s = presentStatus({ folder: 'file:///w', state: 'evaluating' });
  assert.match(s.text, /sync~spin/);
  assert.equal(s.action, 'interrupt');
});
