import type { Insertable, Kysely } from 'kysely';
import { chunk, MAX_IN_LIST } from '../sql-batches.js';
import type { Database, EscalationRulesTable, EscalationRuleTargetsTable } from '../schema.js';
import { replaceOwnedRows, upsertRows } from './table-writer.js';

/** Makes every policy's ordered rules and their targets exactly these (rules of vanished policies go too). */
export async function replaceEscalationRules(
  db: Kysely<Database>,
  rules: readonly Insertable<EscalationRulesTable>[],
  targets: readonly Insertable<EscalationRuleTargetsTable>[],
): Promise<void> {
  const known = await db.selectFrom('escalation_rules').select('id').execute();
  for (const part of chunk(
    known.map((r) => r.id),
    MAX_IN_LIST,
  ))
    await db
      .deleteFrom('escalation_rule_targets')
      .where('escalation_rule_id', 'in', part)
      .execute();
  await db.deleteFrom('escalation_rules').execute();
  await upsertRows(db, 'escalation_rules', rules);
  await upsertRows(db, 'escalation_rule_targets', targets);
}

/** Makes the teams and the services of each given policy exactly these. */
export async function replaceEscalationPolicyRelations(
  db: Kysely<Database>,
  policyIds: readonly string[],
  relations: {
    teams: readonly { escalation_policy_id: string; team_id: string }[];
    services: readonly { escalation_policy_id: string; service_id: string }[];
  },
): Promise<void> {
  await replaceOwnedRows(
    db,
    'escalation_policy_teams',
    'escalation_policy_id',
    policyIds,
    relations.teams,
  );
  await replaceOwnedRows(
    db,
    'escalation_policy_services',
    'escalation_policy_id',
    policyIds,
    relations.services,
  );
}
