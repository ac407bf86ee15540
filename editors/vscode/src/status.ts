// The status bar item of a folder session, without `vscode`: what stui/status says,
// as the text, tooltip and click action a status bar item shows.

import type { StatusParams } from './protocol';

/** What clicking the item does: reconnect (restart the session), interrupt, or show output. */
export type StatusAction = 'restartSession' | 'interrupt' | 'showOutput';

export interface StatusPresentation {
  text: string;
  tooltip: string;
  action: StatusAction;
  /** Whether the item shows as an error (disconnected). */
  error: boolean;
}

/** How the status of one folder session shows. folderName is shown when several folders are open. */
export function presentStatus(status: StatusParams, folderName?: string): StatusPresentation {
  const where = folderName ? ` ${folderName}` : '';
  switch (status.state) {
    case 'connected': {
      const version = status.pharoVersion ? ` ${status.pharoVersion}` : '';
      return {
        text: `$(check) Pharo${version}${where}`,
        tooltip: `STUI: connected to ${status.pharoVersion || 'the image'}. Click to show the output.`,
        action: 'showOutput',
        error: false,
      };
    }
    case 'evaluating':
      return {
        text: `$(sync~spin) Pharo${where}`,
        tooltip: 'STUI: evaluating. Click to interrupt.',
        action: 'interrupt',
        error: false,
      };
    case 'disconnected':
    default: {
      const reason = status.reason || 'no connection to the image';
      return {
        text: `$(debug-disconnect) Pharo${where}`,
        tooltip: `STUI: disconnected: ${reason}. Click to retry (start the image and check stui.endpoint and stui.tokenFile).`,
        action: 'restartSession',
        error: true,
      };
    }
  }
}
