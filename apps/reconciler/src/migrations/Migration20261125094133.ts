import { Migration } from '@mikro-orm/migrations';

export class Migration20261125094133 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "reconciler"."held_removals" ("run_id" uuid not null, "user_id" uuid not null, "email" text not null, "action" text not null, constraint "held_removals_pkey" primary key ("run_id", "user_id"));`);

    this.addSql(`alter table "reconciler"."run_states" add column "completion" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "reconciler"."held_removals" cascade;`);

    this.addSql(`alter table "reconciler"."run_states" drop column "completion";`);
  }

}
