import { Migration } from '@mikro-orm/migrations';

export class Migration20261207062341 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "inbox_consumer_handled_at_index" on "directory_config"."inbox" ("consumer", "handled_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "directory_config"."inbox_consumer_handled_at_index";`);
  }

}
