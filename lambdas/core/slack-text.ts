/** Text as Slack's mrkdwn shows it literally: `<` would start a link or a mention, `&` an entity. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A URL inside `<url|label>`: escaped, and a `|` encoded so it cannot end the URL early. */
export function escapeUrl(url: string): string {
  return escapeMrkdwn(url.replaceAll('|', '%7C'));
}
