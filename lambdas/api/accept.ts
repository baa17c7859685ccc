/**
 * Whether `Accept` prefers `type` to JSON: `type` at a higher quality than `application/json` (the one named
 * first when equal). A missing header, `*\/*` and anything else get JSON.
 */
export function prefersOverJson(accept: string | undefined, type: string): boolean {
  const ranked = (accept ?? '')
    .split(',')
    .map((part, order) => {
      const [name = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
      const q = parameters.find((parameter) => parameter.startsWith('q='));
      const quality = q === undefined ? 1 : Number(q.slice(2));
      return { name, quality: Number.isFinite(quality) ? quality : 0, order };
    })
    .filter(({ name, quality }) => (name === type || name === 'application/json') && quality > 0)
    .sort((a, b) => b.quality - a.quality || a.order - b.order);
  return ranked[0]?.name === type;
}
