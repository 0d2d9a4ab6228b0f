import { Migration } from '@mikro-orm/migrations';

export class Migration20261125142635 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "users_search_email" on reconciler.users ("tenant_id", email text_pattern_ops);`);
    this.addSql(`create index "users_search_full_name" on reconciler.users ("tenant_id", (lower(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))) text_pattern_ops);`);
    this.addSql(`create index "users_search_last_name" on reconciler.users ("tenant_id", (lower(last_name)) text_pattern_ops);`);
    this.addSql(`create index "users_search_display_name" on reconciler.users ("tenant_id", (lower(display_name)) text_pattern_ops);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "reconciler"."users_search_email";`);
    this.addSql(`drop index "reconciler"."users_search_full_name";`);
    this.addSql(`drop index "reconciler"."users_search_last_name";`);
    this.addSql(`drop index "reconciler"."users_search_display_name";`);
  }

}
