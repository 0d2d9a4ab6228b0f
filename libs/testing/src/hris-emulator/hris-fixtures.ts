/**
 * Deterministic HRIS fixtures for the bridge emulator: employee i is derived from its index, so a test or the
 * bench can ask for 10 or 100k employees without holding them (pages are built on demand). Field names and
 * shapes follow the provider's published HRIS models (snake_case on the wire).
 */

export type HrisGroupType = 'TEAM' | 'DEPARTMENT' | 'COST_CENTER' | 'BUSINESS_UNIT' | 'GROUP';

export interface HrisGroup {
  id: string;
  remote_id: string;
  name: string;
  type: HrisGroupType;
  parent_group: string | null;
  is_commonly_used_as_team: boolean;
  remote_was_deleted: boolean;
  created_at: string;
  modified_at: string;
}

export interface HrisTeam {
  id: string;
  remote_id: string;
  name: string;
  parent_team: string | null;
  remote_was_deleted: boolean;
  created_at: string;
  modified_at: string;
}

export interface HrisCompany {
  id: string;
  remote_id: string;
  legal_name: string;
  display_name: string;
  eins: string[];
  remote_was_deleted: boolean;
  created_at: string;
  modified_at: string;
}

export interface HrisEmployment {
  id: string;
  remote_id: string;
  employee: string;
  job_title: string | null;
  employment_type: string | null;
  effective_date: string | null;
  remote_was_deleted: boolean;
  created_at: string;
  modified_at: string;
}

/** An employee as stored: references are ids (the list endpoint expands them on request). */
export interface HrisEmployeeRecord {
  id: string;
  remote_id: string;
  employee_number: string | null;
  first_name: string | null;
  last_name: string | null;
  display_full_name: string | null;
  work_email: string | null;
  personal_email: string | null;
  mobile_phone_number: string | null;
  date_of_birth: string | null;
  start_date: string | null;
  termination_date: string | null;
  employment_status: 'ACTIVE' | 'PENDING' | 'INACTIVE' | null;
  /** The manager's employee id. */
  manager: string | null;
  team: string | null;
  groups: string[];
  company: string | null;
  employments: HrisEmployment[];
  remote_was_deleted: boolean;
  created_at: string;
  modified_at: string;
}

/** Seeded records' timestamps; an update moves `modified_at` past it. */
export const HRIS_SEED_TIME = '2026-01-01T00:00:00.000Z';

const FIRST = ['Ada', 'Grace', 'Alan', 'Margaret', 'Linus', 'Barbara', 'Dennis', 'Frances', 'Ken', 'Radia', 'Tim', 'Hedy', 'Edsger', 'Karen', 'Donald', 'Sophie'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Hamilton', 'Torvalds', 'Liskov', 'Ritchie', 'Allen', 'Thompson', 'Perlman', 'Lamarr', 'Dijkstra', 'Knuth', 'Wilson', 'Nunez', 'Brien'];
const TITLES = ['Software Engineer', 'Account Executive', 'Recruiter', 'Accountant', 'Product Manager', 'Designer'];

/** A stable UUID-shaped id for (kind, index): the same index always gives the same id. */
export function hrisId(kind: number, index: number): string {
  const hex = index.toString(16).padStart(12, '0');
  return `00000000-0000-4${kind.toString(16).padStart(3, '0')}-8000-${hex}`;
}

const KIND = { employee: 1, group: 2, team: 3, company: 4, employment: 5 } as const;

/** The groups every fixture employee can belong to: two of each type. */
export const HRIS_GROUPS: HrisGroup[] = (
  [
    ['TEAM', 'Platform'],
    ['TEAM', 'Payments'],
    ['DEPARTMENT', 'Engineering'],
    ['DEPARTMENT', 'Sales'],
    ['COST_CENTER', 'CC-100'],
    ['COST_CENTER', 'CC-200'],
    ['BUSINESS_UNIT', 'Products'],
    ['BUSINESS_UNIT', 'Services'],
    ['GROUP', 'Admins'],
    ['GROUP', 'Everyone'],
  ] as const
).map(([type, name], i) => ({
  id: hrisId(KIND.group, i),
  remote_id: `G${i + 1}`,
  name,
  type,
  parent_group: null,
  is_commonly_used_as_team: type === 'TEAM',
  remote_was_deleted: false,
  created_at: HRIS_SEED_TIME,
  modified_at: HRIS_SEED_TIME,
}));

export const HRIS_TEAMS: HrisTeam[] = ['Platform Team', 'Payments Team'].map((name, i) => ({
  id: hrisId(KIND.team, i),
  remote_id: `T${i + 1}`,
  name,
  parent_team: null,
  remote_was_deleted: false,
  created_at: HRIS_SEED_TIME,
  modified_at: HRIS_SEED_TIME,
}));

export const HRIS_COMPANIES: HrisCompany[] = [
  ['Acme Holdings Ltd', 'Acme'],
  ['Acme Services GmbH', 'Acme DE'],
].map(([legal, display], i) => ({
  id: hrisId(KIND.company, i),
  remote_id: `C${i + 1}`,
  legal_name: legal,
  display_name: display,
  eins: [],
  remote_was_deleted: false,
  created_at: HRIS_SEED_TIME,
  modified_at: HRIS_SEED_TIME,
}));

const groupOf = (type: HrisGroupType, index: number) => HRIS_GROUPS.filter((g) => g.type === type)[index % 2];
const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Employee `index` (0-based). Employee 0 has no manager; employee i reports to employee floor((i-1)/10), so
 * a manager always comes earlier in the list (in an earlier page or the same one).
 */
export function hrisEmployee(index: number): HrisEmployeeRecord {
  const first = FIRST[index % FIRST.length];
  const last = LAST[Math.floor(index / FIRST.length) % LAST.length];
  const id = hrisId(KIND.employee, index);
  const groups = [groupOf('TEAM', index), groupOf('DEPARTMENT', index), groupOf('COST_CENTER', index), groupOf('BUSINESS_UNIT', index)];
  if (index % 10 === 0) groups.push(groupOf('GROUP', 0));
  return {
    id,
    remote_id: `E${index + 1}`,
    employee_number: `EMP-${pad(index + 1, 6)}`,
    first_name: first,
    last_name: last,
    display_full_name: `${first} ${last}`,
    work_email: `${first}.${last}.${index + 1}@example.com`.toLowerCase(),
    personal_email: `${first}${index + 1}@personal.example.org`.toLowerCase(),
    mobile_phone_number: `+4477${pad(index, 8)}`,
    date_of_birth: `19${70 + (index % 30)}-${pad((index % 12) + 1, 2)}-${pad((index % 28) + 1, 2)}T00:00:00Z`,
    start_date: `20${pad(10 + (index % 15), 2)}-${pad((index % 12) + 1, 2)}-01T00:00:00Z`,
    termination_date: null,
    employment_status: 'ACTIVE',
    manager: index === 0 ? null : hrisId(KIND.employee, Math.floor((index - 1) / 10)),
    team: HRIS_TEAMS[index % HRIS_TEAMS.length].id,
    groups: groups.map((g) => g.id),
    company: HRIS_COMPANIES[index % HRIS_COMPANIES.length].id,
    employments: [
      {
        id: hrisId(KIND.employment, index),
        remote_id: `EMPL${index + 1}`,
        employee: id,
        job_title: TITLES[index % TITLES.length],
        employment_type: 'FULL_TIME',
        effective_date: null,
        remote_was_deleted: false,
        created_at: HRIS_SEED_TIME,
        modified_at: HRIS_SEED_TIME,
      },
    ],
    remote_was_deleted: false,
    created_at: HRIS_SEED_TIME,
    modified_at: HRIS_SEED_TIME,
  };
}
