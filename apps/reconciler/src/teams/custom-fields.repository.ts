import type { EntityManager } from '@mikro-orm/postgresql';
import { qualified, sql } from '@roster/persistence';
import type { CustomFieldType } from '@roster/reconciliation';

/** A tenant's custom field definitions (R-CSV-04). */
export class CustomFieldsRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly tenantId: string,
  ) {}

  private get table() {
    return qualified(this.em, 'custom_field_definitions');
  }

  async load(): Promise<Map<string, CustomFieldType>> {
    const rows = await sql<{ label: string; type: CustomFieldType }>(this.em, `select label, type from ${this.table} where tenant_id = ?`, [this.tenantId]);
    return new Map(rows.map((r) => [r.label, r.type]));
  }

  async create(definitions: readonly { label: string; type: CustomFieldType }[], runId: string): Promise<void> {
    if (definitions.length === 0) return;
    await sql(this.em,
      `insert into ${this.table} (tenant_id, label, type, created_by_run_id) values ${definitions.map(() => '(?, ?, ?, ?)').join(', ')}
       on conflict do nothing`,
      definitions.flatMap((d) => [this.tenantId, d.label, d.type, runId]),
    );
  }
}
