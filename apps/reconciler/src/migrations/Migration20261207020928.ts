import { Migration } from '@mikro-orm/migrations';

export class Migration20261207020928 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "reconciler"."users" add column "field_sequences" jsonb not null default '{}';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "reconciler"."users" drop column "field_sequences";`);
  }

}
