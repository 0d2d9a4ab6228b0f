import { Injectable, Logger } from '@nestjs/common';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import type { CanonicalGroupType, CloudEvent, PayloadOf } from '@roster/contracts';
import { Outbox, OutboxRelay, type OutgoingMessage } from '@roster/messaging';
import { qualified, sql } from '@roster/persistence';
import { erasedContent, userContentHash } from '@roster/reconciliation';
import type { UserDbRow } from './users.repository';

/** The email an anonymized user keeps: unique per user (the tenant's emails stay unique), no longer anybody's. */
export const anonymizedEmail = (userId: string) => `anonymized-${userId}@anonymized.invalid`;

/** What a published change says of an erased value: the value itself never travels again. */
const ERASED = '(erased)';

/**
 * R-API-07: erases a user's personal data at an admin's request, once. The user keeps its id and becomes
 * `anonymized`: every profile field, custom field, username, external id and manager link is cleared and the email
 * becomes a placeholder, so no source record ever matches it again (the person, synced again, is a new user). Its
 * team and group memberships go (announced, with the placeholder email), teams it owned name the placeholder, and
 * `user.anonymized` carries only the id. One transaction with the user's row locked; a second request or a
 * redelivery finds the user anonymized and changes nothing. Handled on the reconciler's ordered records consumer, so
 * never in the middle of a run's apply.
 */
@Injectable()
export class AnonymizeUserUseCase {
  private readonly logger = new Logger(AnonymizeUserUseCase.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
  ) {}

  async execute(event: CloudEvent<PayloadOf<'user.anonymize.requested'>>): Promise<void> {
    const { tenantid: tenantId, data } = event;
    const outcome = await this.orm.em.fork().transactional((em) => this.anonymize(em, tenantId, data.userId));
    if (outcome === 'anonymized') this.relay.kick();
    this.logger.log({ tenantId, userId: data.userId, requestedBy: data.requestedBy, outcome }, 'user anonymization');
  }

  private async anonymize(em: EntityManager, tenantId: string, userId: string): Promise<'anonymized' | 'already anonymized' | 'no such user'> {
    const users = qualified(em, 'users');
    const [row] = await sql<UserDbRow>(em,
      `select u.*, null as manager_email from ${users} u where u.tenant_id = ? and u.id = ? for update`,
      [tenantId, userId],
    );
    if (!row) return 'no such user';
    if (row.status === 'anonymized') return 'already anonymized';
    const email = anonymizedEmail(userId);
    // Only the owning directory is kept (R-DIR-05: it stays the directory's, and is never restored, R-API-07).
    const content = erasedContent(email, 'anonymized', row.source_directory_id);
    await sql(em,
      `update ${users} set email = ?, status = 'anonymized', first_name = null, last_name = null, display_name = null, job_title = null,
              department = null, location = null, employee_id = null, start_date = null, is_org_admin = false, custom_fields = '{}'::jsonb,
              external_id = null, deactivate_at = null, username = null, manager_id = null, field_sequences = '{}'::jsonb, content_hash = ?, updated_at = now()
        where id = ?`,
      [email, userContentHash(content), userId],
    );
    const pub = { tenantId };
    const events: OutgoingMessage[] = [];
    const teams = await sql<{ team_id: string; team_name: string; source_directory_id: string }>(em,
      `delete from ${qualified(em, 'team_memberships')} m using ${qualified(em, 'teams')} t
        where m.tenant_id = ? and m.user_id = ? and t.id = m.team_id
        returning m.team_id, t.name as team_name, m.source_directory_id`,
      [tenantId, userId],
    );
    for (const t of teams) {
      events.push(this.outbox.message('membership.removed', { runId: null, teamId: t.team_id, teamName: t.team_name, userId, email, sourceDirectoryId: t.source_directory_id }, pub));
    }
    const groups = await sql<{ group_id: string; name: string; type: CanonicalGroupType; source_directory_id: string }>(em,
      `delete from ${qualified(em, 'group_memberships')} m using ${qualified(em, 'directory_groups')} g
        where m.tenant_id = ? and m.user_id = ? and g.id = m.group_id
        returning m.group_id, g.name, g.type, g.source_directory_id`,
      [tenantId, userId],
    );
    for (const g of groups) {
      events.push(
        this.outbox.message('group.member.removed', { runId: null, groupId: g.group_id, groupName: g.name, groupType: g.type, sourceDirectoryId: g.source_directory_id, userId, email }, pub),
      );
    }
    const owned = await sql<TeamDbRow>(em,
      `update ${qualified(em, 'teams')} set owner_email = ?, updated_at = now() where tenant_id = ? and owner_user_id = ?
        returning id, name, owner_email, owner_user_id, parent_team_id, type, description, source_directory_id`,
      [email, tenantId, userId],
    );
    for (const t of owned) {
      const team = { teamId: t.id, name: t.name, ownerEmail: t.owner_email, ownerUserId: t.owner_user_id, parentTeamId: t.parent_team_id, type: t.type, description: t.description, sourceDirectoryId: t.source_directory_id };
      events.push(this.outbox.message('team.updated', { runId: null, team, changes: { ownerEmail: { from: ERASED, to: email } } }, pub));
    }
    events.push(this.outbox.message('user.anonymized', { userId, sourceDirectoryId: row.source_directory_id }, { ...pub, id: `${userId}:anonymized` }));
    await this.outbox.addMessages(em, events);
    return 'anonymized';
  }
}

interface TeamDbRow {
  id: string;
  name: string;
  owner_email: string | null;
  owner_user_id: string | null;
  parent_team_id: string | null;
  type: string | null;
  description: string | null;
  source_directory_id: string | null;
}

