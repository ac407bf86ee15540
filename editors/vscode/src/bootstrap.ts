// Finding and checking the stui-lsp binary, without `vscode` (rust-analyzer's
// bootstrap.ts manners): `stui.server.path`, or stui-lsp on PATH; checked with --version;
// every failure says how to fix it.

import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export const installHint = 'Install it with `go install github.com/stui-dev/stui/cmd/stui-lsp@latest` and put $(go env GOPATH)/bin on PATH';

/** A failure to find or run the server; message says how to fix it. */
export class ServerNotFound extends Error {}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The path of the server binary: configured (stui.server.path; "~/" expands to the home
 * directory) or else the first stui-lsp on PATH. Throws ServerNotFound with the fix.
 */
export function findServer(configured: string | null | undefined, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (configured) {
    const path = configured.startsWith('~/') ? join(homedir(), configured.slice(2)) : configured;
    if (!executable(path)) {
      throw new ServerNotFound(`stui.server.path is "${configured}", which is not an executable file. Fix the setting, or clear it to use stui-lsp from PATH.`);
    }
    return path;
  }
  const name = platform === 'win32' ? 'stui-lsp.exe' : 'stui-lsp';
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) {
      return join(dir, name);
    }
  }
  throw new ServerNotFound(`stui-lsp was not found on PATH. ${installHint}, or set stui.server.path to the binary.`);
}

/**
 * Runs `path --version` and answers its first line. Throws ServerNotFound with the fix when
 * it fails, times out or prints nothing.
 */
export function checkVersion(path: string, timeoutMs = 10000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, ['--version'], { timeout: timeoutMs }, (err, stdout, stderr) => {
      const first = stdout.toString().trim().split('\n')[0] ?? '';
      if (err || first === '') {
        const why = err ? (err.killed ? `did not answer within ${timeoutMs} ms` : err.message.split('\n')[0]) : 'printed nothing';
        const said = stderr.toString().trim() ? `: ${stderr.toString().trim().split('\n')[0]}` : '';
        reject(new ServerNotFound(`"${path} --version" ${why}${said}. ${installHint}, or point stui.server.path at a working stui-lsp.`));
        return;
      }
      resolve(first);
    });
  });
}
