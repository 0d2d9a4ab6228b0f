import { Migration } from '@mikro-orm/migrations';

export class Migration20261125082554 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "directory_config"."directories" add column "schedule" jsonb not null default '{"kind":"daily","time":"02:00","timeZone":"UTC"}';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "directory_config"."directories" drop column "schedule";`);
  }

}
