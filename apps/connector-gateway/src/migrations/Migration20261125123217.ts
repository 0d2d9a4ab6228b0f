import { Migration } from '@mikro-orm/migrations';

export class Migration20261125123217 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "connector_gateway"."fetch_runs" ("run_id" uuid not null, "directory_id" uuid not null, "tenant_id" uuid not null, "mode" text not null, "modified_after" timestamptz null, "started_at" timestamptz not null, "complete" boolean not null default false, constraint "fetch_runs_pkey" primary key ("run_id"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "connector_gateway"."fetch_runs" cascade;`);
  }

}
