/**
 * The demo's machine client: an emergency department record system of Portsmouth Hospitals, registered the
 * way an administrator would, with a public key whose private half was thrown away (the demo shows the page
 * and the audit; `examples/api-client.mjs` makes a client that can sign in).
 */
import { eq } from 'drizzle-orm';
import { exportJWK, generateKeyPair } from 'jose';
import type { Db } from '../platform/db/engine';
import { contextForEmail } from '../people/service';
import { registerClient } from '../clients/service';
import { apiClients } from '../clients/schema';
import { organisations } from '../directory/schema';

/** Register the demo client once (nothing when any client exists). Returns how many were made. */
export async function seedDemoClients(db: Db): Promise<number> {
  const [any] = await db.select({ id: apiClients.id }).from(apiClients).limit(1);
  if (any) return 0;
  const [rhu] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, 'RHU'));
  if (!rhu) return 0;
  const admin = await contextForEmail(db, 'admin@beacon.example', 'seed-demo-clients');
  const { publicKey } = await generateKeyPair('RS512', { extractable: true });
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'qah-ed-2026-12', alg: 'RS512', use: 'sig' }] };
  await registerClient(
    db,
    admin,
    {
      name: 'Queen Alexandra ED record (demo)',
      organisationId: rhu.id,
      roles: ['point_of_care'],
      scopes: ['check', 'fhir', 'directory'],
      jwks,
      contactEmail: 'ed.systems@porthosp.example.nhs.uk',
    },
    { production: false },
  );
  return 1;
}
