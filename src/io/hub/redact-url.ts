// A URL's userinfo (user:password@) and query string (signed CDN links, ?token=) are secrets: never shown.
const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#'"<>]*@)?([^\s?#'"<>]*)(\?[^\s#'"<>]*)?/giu;

/**
 * Replaces, in any text, the credentials of every URL (`http://user:secret@host` -> `http://***@host`) and its
 * query string (`?X-Amz-Signature=...` -> `?***`), so messages and log events can name a URL safely.
 */
export function redactUrls(text: string): string {
  return text.replace(URL_IN_TEXT, (_match, scheme: string, userinfo: string | undefined, rest: string, query: string | undefined) => {
    return `${scheme}${userinfo === undefined ? '' : '***@'}${rest}${query === undefined ? '' : '?***'}`;
  });
}
