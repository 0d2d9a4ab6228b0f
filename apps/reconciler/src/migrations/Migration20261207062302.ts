import { Migration } from '@mikro-orm/migrations';

export class Migration20261207062302 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "reconciler"."users" add column "source_digest" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "reconciler"."users" drop column "source_digest";`);
  }

}
