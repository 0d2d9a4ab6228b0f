import { Migration } from '@mikro-orm/migrations';

export class Migration20261125131858 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "reconciler"."users" add column "username" text null;`);
    this.addSql(`create index "users_tenant_id_username_index" on "reconciler"."users" ("tenant_id", "username");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "reconciler"."users_tenant_id_username_index";`);
    this.addSql(`alter table "reconciler"."users" drop column "username";`);
  }

}
