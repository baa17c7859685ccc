import { describe, expect, it } from 'vitest';
import { VIEWER_GROUP, viewerScopesToSuppress } from '#core/viewer-scopes';

const WEB_CLIENT_SCOPES = [
  'openid',
  'email',
  'firebreak/incidents:read',
  'firebreak/incidents:write',
  'firebreak/admin',
];

describe('viewer scopes', () => {
  it('takes the write and admin scopes from a member of the viewers group', () => {
    // Act
    const suppressed = viewerScopesToSuppress([VIEWER_GROUP], WEB_CLIENT_SCOPES, 'firebreak/');

    // Assess
    expect(VIEWER_GROUP).toBe('firebreak-viewers');
    expect(suppressed).toEqual(['firebreak/incidents:write', 'firebreak/admin']);
  });

  it('takes the same from a viewer who is in other groups too', () => {
    // Act
    const suppressed = viewerScopesToSuppress(['on-call', VIEWER_GROUP], WEB_CLIENT_SCOPES, 'firebreak/');

    // Assess
    expect(suppressed).toEqual(['firebreak/incidents:write', 'firebreak/admin']);
  });

  it('takes nothing from someone in no group or in other groups only', () => {
    // Assess
    expect(viewerScopesToSuppress([], WEB_CLIENT_SCOPES, 'firebreak/')).toEqual([]);
    expect(viewerScopesToSuppress(['on-call', 'Firebreak-Viewers'], WEB_CLIENT_SCOPES, 'firebreak/')).toEqual(
      [],
    );
  });

  it('names only the write scopes that were requested', () => {
    // Act
    const readOnly = viewerScopesToSuppress(
      [VIEWER_GROUP],
      ['openid', 'firebreak/incidents:read'],
      'firebreak/',
    );
    const writeOnly = viewerScopesToSuppress(
      [VIEWER_GROUP],
      ['firebreak/incidents:read', 'firebreak/incidents:write'],
      'firebreak/',
    );

    // Assess
    expect(readOnly).toEqual([]);
    expect(writeOnly).toEqual(['firebreak/incidents:write']);
  });

  it('names every write scope when the requested scopes are unknown, so none is kept by omission', () => {
    // Assess
    expect(viewerScopesToSuppress([VIEWER_GROUP], undefined, 'firebreak/')).toEqual([
      'firebreak/incidents:write',
      'firebreak/admin',
    ]);
  });

  it("matches scopes with the issuer's prefix only", () => {
    // Act: bare names under a prefixed pool are not the pool's scopes.
    const suppressed = viewerScopesToSuppress(
      [VIEWER_GROUP],
      ['incidents:write', 'admin', 'other/incidents:write'],
      'firebreak/',
    );

    // Assess
    expect(suppressed).toEqual([]);
  });
});
