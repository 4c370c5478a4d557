/**
 * A method table where a notification handler registered as `'*'` receives every notification
 * that has no handler of its own and is not the name of a request method (e.g. the reference
 * daemon's inbox). Exact names always win.
 */
import { MethodTable, type NotificationHandler } from './dispatch.js';

/** The name that registers a catch-all notification handler: `server.onNotification('*', fn)`. */
export const CATCH_ALL = '*';

export class CatchAllMethodTable extends MethodTable {
  override notification(name: string): NotificationHandler | undefined {
    const own = super.notification(name);
    if (own !== undefined || name.startsWith('$/') || this.method(name) !== undefined) return own;
    return super.notification(CATCH_ALL);
  }
}
