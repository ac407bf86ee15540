// The `stui` settings section, without `vscode`. The server's keys are declared once in
// lsp/options.go; package.json contributes each as `stui.<key>`, Neovim's lsp/stui.lua has
// the same table, and test/config.test.ts checks all three agree.

/** The keys of lsp.Options, dotted as VS Code settings spell them (after `stui.`). */
export const serverKeys = [
  'endpoint',
  'tokenFile',
  'deadlines.request',
  'deadlines.evaluate',
  'deadlines.hover',
  'budget.bytes',
  'budget.elements',
  'budget.depth',
  'image.path',
  'image.vm',
  'compileOnSave',
  'diagnostics.delay',
] as const;

/** Keys only the VS Code client reads; the server never sees them. */
export const clientKeys = ['server.path', 'trace.server'] as const;

/**
 * The server's options as a nested object (the shape of lsp.Options), read with get, which
 * answers a setting's value by its dotted key. Keys whose value is undefined are left out,
 * so the server's defaults apply. Sent as initializationOptions; workspace/configuration
 * answers come from VS Code itself with the same shape.
 */
export function serverOptions(get: (key: string) => unknown): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const key of serverKeys) {
    const value = get(key);
    if (value === undefined) {
      continue;
    }
    const parts = key.split('.');
    let at = options;
    for (const part of parts.slice(0, -1)) {
      at = (at[part] ??= {}) as Record<string, unknown>;
    }
    at[parts[parts.length - 1]] = value;
  }
  return options;
}
