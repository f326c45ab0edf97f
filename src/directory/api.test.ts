/**
 * The directory API (issue 17's directory slice), on both engines: organisations by ODS code, type and area;
 * units by organisation (id or ODS code) and type; areas by code and level; a filter that names nothing known
 * is a 400 with a clear message; signed out is 401.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app';
import { ApiClient } from '../../test/support/api-client';

let t: TestApp;
let api: ApiClient;
beforeAll(async () => {
  t = await startTestApp();
  api = await ApiClient.as(t, 'ed.nurse@beacon.example');
});
afterAll(async () => {
  await t?.close();
});

describe('the directory API', () => {
  it('finds an organisation by its ODS code, with its area named by code', async () => {
    const r = await api.get('/api/directory/organisations?ods=rhm');
    expect(r.status).toBe(200);
    expect(r.json.organisations).toEqual([
      expect.objectContaining({
        odsCode: 'RHM',
        name: 'University Hospital Southampton NHS Foundation Trust',
        type: 'acute_trust',
        area: expect.objectContaining({ code: 'E06000045', level: 'local_authority' }),
      }),
    ]);
  });

  it('lists the organisations of an area and the areas within it, by type', async () => {
    const icb = await api.get('/api/directory/organisations?area=QRL&type=acute_trust');
    const codes = icb.json.organisations.map((o: { odsCode: string }) => o.odsCode);
    expect(codes).toEqual(expect.arrayContaining(['RHM', 'RHU', 'RN5', 'R1F']));
    expect(icb.json.organisations.every((o: { type: string }) => o.type === 'acute_trust')).toBe(true);
    const southampton = await api.get('/api/directory/organisations?area=E06000045');
    expect(southampton.json.organisations.map((o: { odsCode: string }) => o.odsCode)).not.toContain('RHU');
  });

  it('lists units by organisation (ODS code or id) and type, with the organisation’s code', async () => {
    const byCode = await api.get('/api/directory/units?organisation=RHM&type=maternity_unit');
    expect(byCode.status).toBe(200);
    expect(byCode.json.units.length).toBeGreaterThan(0);
    expect(
      byCode.json.units.every((u: { type: string; organisation: { odsCode: string } }) => u.type === 'maternity_unit' && u.organisation.odsCode === 'RHM'),
    ).toBe(true);
    const orgId = byCode.json.units[0].organisation.id;
    const byId = await api.get(`/api/directory/units?organisation=${orgId}&type=maternity_unit`);
    expect(byId.json.units).toEqual(byCode.json.units);
  });

  it('lists areas by level and code, each with its parent’s code', async () => {
    const las = await api.get('/api/directory/geographies?level=local_authority');
    expect(las.json.geographies.map((g: { code: string }) => g.code)).toEqual(expect.arrayContaining(['E06000044', 'E06000045', 'E06000046', 'E10000014']));
    const one = await api.get('/api/directory/geographies?code=e06000045');
    expect(one.json.geographies).toEqual([expect.objectContaining({ code: 'E06000045', name: 'Southampton', level: 'local_authority', parentCode: 'QRL' })]);
  });

  it('answers a filter that names nothing known with a clear 400, and signed out with 401', async () => {
    const area = await api.get('/api/directory/organisations?area=NOWHERE');
    expect(area.status).toBe(400);
    expect(JSON.stringify(area.json)).toContain('There is no area with the code NOWHERE');
    const type = await api.get('/api/directory/units?type=spaceship');
    expect(type.status).toBe(400);
    expect(JSON.stringify(type.json)).toContain('The unit type must be one of');
    const org = await api.get('/api/directory/units?organisation=ZZZ');
    expect(JSON.stringify(org.json)).toContain('There is no organisation with the id or ODS code ZZZ');
    const anon = await t.app.inject({ method: 'GET', url: '/api/directory/organisations' });
    expect(anon.statusCode).toBe(401);
  });
});
