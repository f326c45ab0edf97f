import type { Db } from '../platform/db/engine';
import { configVersion } from '../cases/protocol-config';
import { type EscalationStage, stageTableSchema } from './stages';

/**
 * The stage table an escalation was raised under. Tables are validated when a partnership saves them;
 * one that does not parse here is a fault in the data, not something to paper over with the default.
 */
export async function stageTableOf(db: Db, versionId: string): Promise<EscalationStage[]> {
  const version = await configVersion(db, versionId);
  const parsed = stageTableSchema.safeParse(version.definition);
  if (!parsed.success) throw new Error(`Escalation stage table ${versionId} is not valid`);
  return parsed.data;
}

/** Tables by version id, loaded once per call (lists show many escalations from few tables). */
export function stageTables(db: Db) {
  const cache = new Map<string, Promise<EscalationStage[]>>();
  return (versionId: string) => {
    let t = cache.get(versionId);
    if (!t) {
      t = stageTableOf(db, versionId);
      cache.set(versionId, t);
    }
    return t;
  };
}

export function stageLabel(table: readonly EscalationStage[], stage: number): string {
  return table.find((s) => s.stage === stage)?.label ?? `Stage ${stage}`;
}
