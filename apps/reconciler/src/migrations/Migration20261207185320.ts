import { Migration } from '@mikro-orm/migrations';

export class Migration20261207185320 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "run_states_finished_at_index" on "reconciler"."run_states" ("finished_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "reconciler"."run_states_finished_at_index";`);
  }

}
