import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Inspector, type ObjectNode } from '../src/inspector';
import type { InspectParams, InspectResult, Slot } from '../src/protocol';

const slot = (i: number): Slot => ({ index: i, print_string: String(i * 10), class_name: 'SmallInteger', handle: `h${i}` });

/** A fake image: one Array of 250 numbers under handle "arr", its elements under "h<i>". */
function fakeImage() {
  const calls: InspectParams[] = [];
  let label = 'an Array(10 20 …)';
  const fetch = async (p: InspectParams): Promise<InspectResult> => {
    calls.push(p);
    if (p.handle === 'arr') {
      const indexed = Array.from({ length: Math.max(0, Math.min(p.count, 250 - p.offset)) }, (_, k) => slot(p.offset + k + 1));
      return { print_string: label, class_name: 'Array', handle: 'arr', named_slots: [], indexed_slots: indexed, indexed_size: 250, offset: p.offset, count: indexed.length };
    }
    if (p.handle?.startsWith('h')) {
      return { print_string: '10', class_name: 'SmallInteger', handle: p.handle, named_slots: null, indexed_slots: null, indexed_size: 0, offset: 0, count: 0 };
    }
    throw new Error(`ObjectNotFound: ${p.handle}`);
  };
  return { fetch, calls, relabel: (l: string) => (label = l) };
}

const point: InspectResult = {
  print_string: '(3@4)', class_name: 'Point', handle: 'p1',
  named_slots: [
    { name: 'x', print_string: '3', class_name: 'SmallInteger', handle: 'h3' },
    { name: 'y', print_string: '4', class_name: 'SmallInteger' },
  ],
  indexed_slots: [], indexed_size: 0, offset: 0, count: 0,
};

test('a root shows its named slots without asking the image again', async () => {
  const image = fakeImage();
  const insp = new Inspector(image.fetch);
  const root = insp.add('file:///a.st', point);
  const kids = (await insp.children(root)) as ObjectNode[];
  assert.deepEqual(kids.map((k) => [k.label, k.value.print_string]), [['x', '3'], ['y', '4']]);
  assert.equal(image.calls.length, 0);
  assert.equal(insp.expandable(kids[0]), true, 'a slot with a handle expands');
  assert.equal(insp.expandable(kids[1]), false, 'a slot without a handle does not');
  assert.deepEqual(await insp.children(kids[1]), []);
});

test('expanding a slot pages into its handle with stui/inspect', async () => {
  const image = fakeImage();
  const insp = new Inspector(image.fetch, 100);
  const root = insp.add('file:///a.st', { ...point, named_slots: [{ name: 'items', print_string: 'an Array', class_name: 'Array', handle: 'arr' }] });
  const [items] = (await insp.children(root)) as ObjectNode[];
  const kids = await insp.children(items);
  assert.deepEqual(image.calls, [{ uri: 'file:///a.st', handle: 'arr', offset: 0, count: 100 }]);
  assert.equal(kids.length, 101);
  const first = kids[0] as ObjectNode;
  assert.equal(first.label, '[1]');
  const more = kids[100];
  assert.equal(more.kind, 'more');
  assert.equal(insp.presentation(more).label, '… 150 more');

  if (more.kind !== 'more') throw new Error('unreachable');
  await insp.loadMore(more);
  assert.deepEqual(image.calls[1], { uri: 'file:///a.st', handle: 'arr', offset: 100, count: 100 });
  const again = await insp.children(items);
  assert.equal(again.length, 201);
  assert.equal((again[199] as ObjectNode).label, '[200]');
  const last = again[200];
  if (last.kind !== 'more') throw new Error('expected a more node');
  await insp.loadMore(last);
  const all = await insp.children(items);
  assert.equal(all.length, 250, 'no more node once every slot is loaded');
  assert.equal(image.calls.length, 3);
});

test('refresh asks the image for each root again', async () => {
  const image = fakeImage();
  const insp = new Inspector(image.fetch, 10);
  const root = insp.add('file:///a.st', { print_string: 'old', class_name: 'Array', handle: 'arr', named_slots: [], indexed_slots: [], indexed_size: 250, offset: 0, count: 0 });
  image.relabel('new');
  await insp.refresh();
  assert.equal(insp.presentation(root).description, 'new');
  assert.equal((await insp.children(root)).length, 11);
});

test('roots are newest first; clear removes them; copy answers the print string', () => {
  const insp = new Inspector(fakeImage().fetch);
  insp.add('file:///a.st', point);
  const second = insp.add('file:///a.st', { ...point, print_string: '(5@6)', truncated: true });
  assert.equal(insp.roots[0], second);
  assert.equal(insp.printString(second), '(5@6)');
  assert.equal(insp.presentation(second).description, '(5@6) …', 'a cut print string says so');
  assert.equal(insp.presentation(second).tooltip, 'Point: (5@6) …');
  insp.clear();
  assert.equal(insp.roots.length, 0);
});

test('a failed page rejects, so the view can say why', async () => {
  const insp = new Inspector(fakeImage().fetch);
  const root = insp.add('file:///a.st', { ...point, named_slots: [{ name: 'gone', print_string: 'x', class_name: 'X', handle: 'zz' }] });
  const [gone] = await insp.children(root);
  await assert.rejects(insp.children(gone), /ObjectNotFound: zz/);
});
