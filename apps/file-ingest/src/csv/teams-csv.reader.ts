import type { Readable } from 'node:stream';
import {
  CanonicalTeam,
  RowProblem,
  RowProblemCode,
  TEAMS_CSV_STANDARD_LABELS,
  TeamProblemCode,
  TeamsCsvStandardLabel,
  teamNameKey,
} from '@roster/contracts';
import { CSV_READER_DEFAULTS, CsvRecordKind, CsvRowMapper, CsvSummary, ReadCsvOptions, readCsvRecords } from './csv-records.reader';
import { CsvImportExceptionCode, quoteForMessage } from './csv-import.exception';
import { headerError, nearMissGuard } from './users-csv.header';

export type ReadTeamsCsvOptions = ReadCsvOptions;
export type TeamsCsvSummary = CsvSummary;
export const TEAMS_CSV_DEFAULTS = CSV_READER_DEFAULTS;

export interface TeamsCsvBatch {
  teams: CanonicalTeam[];
  problems: RowProblem[];
}

/** Longest values CanonicalTeam accepts (kept equal to the zod schema; a spec checks it). */
export const TEAM_MAX_LENGTH = { name: 200, type: 200, description: 2000 } as const;

const isEmail = (value: string): boolean => CanonicalTeam.shape.ownerEmail.safeParse(value).success;
const STANDARD: ReadonlySet<string> = new Set(TEAMS_CSV_STANDARD_LABELS);
const refuseNearMiss = nearMissGuard(TEAMS_CSV_STANDARD_LABELS);

export interface TeamsCsvHeader {
  readonly standard: Readonly<Partial<Record<TeamsCsvStandardLabel, number>>>;
  readonly labels: readonly string[];
  /** Labels that are not teams-file labels: their columns are ignored (custom fields are users-file only). */
  readonly ignored: readonly string[];
  readonly columnCount: number;
}

/** R-CSV-01/03: exact labels after the directory's mapping; near misses of a standard label are refused. */
export function resolveTeamsCsvHeader(cells: readonly string[], fileName: string, mapping: ReadonlyMap<string, string>): TeamsCsvHeader {
  const standard: Partial<Record<TeamsCsvStandardLabel, number>> = {};
  const labels: string[] = [];
  const ignored: string[] = [];
  const seen = new Map<string, number>();
  cells.forEach((cell, index) => {
    const original = cell.trim();
    if (original === '') return;
    const label = mapping.get(original) ?? original;
    const column = index + 1;
    const earlier = seen.get(label);
    if (earlier !== undefined) {
      throw headerError(fileName, CsvImportExceptionCode.HEADER_DUPLICATE, `${quoteForMessage(label)} appears in column ${earlier} and column ${column}`);
    }
    seen.set(label, column);
    labels.push(label);
    if (STANDARD.has(label)) {
      standard[label as TeamsCsvStandardLabel] = index;
      return;
    }
    refuseNearMiss(fileName, column, label);
    ignored.push(label);
  });
  if (standard['Team Name'] === undefined) {
    const shown = labels.slice(0, 8).map((l) => quoteForMessage(l, 40));
    if (labels.length > 8) shown.push('…');
    const found = labels.length === 0 ? 'no labels' : `labels ${shown.join(', ')}`;
    throw headerError(
      fileName,
      CsvImportExceptionCode.HEADER_MISSING,
      `no "Team Name" column (found ${found}); is the delimiter a comma, or does the label need a header mapping?`,
    );
  }
  return { standard, labels, ignored, columnCount: cells.length };
}

/**
 * Maps teams-file rows to CanonicalTeam (R-CSV-03). A row without a usable or with a duplicate `Team Name`
 * (case-insensitive) is skipped; a bad optional field is reported and left out while the rest applies.
 */
export class TeamsCsvRowMapper implements CsvRowMapper<CanonicalTeam> {
  private readonly seen = new Map<string, number>();
  private cells: readonly string[] = [];
  private rowNumber = 0;
  private problems: RowProblem[] = [];

  constructor(
    private readonly fileName: string,
    private readonly header: TeamsCsvHeader,
  ) {}

  map(cells: readonly string[], rowNumber: number, problems: RowProblem[]): CanonicalTeam | undefined {
    this.cells = cells;
    this.rowNumber = rowNumber;
    this.problems = problems;
    for (let i = this.header.columnCount; i < cells.length; i++) {
      if ((cells[i] ?? '').trim() !== '') {
        this.report(
          undefined,
          RowProblemCode.INVALID_VALUE,
          `${cells.length} cells but the header has ${this.header.columnCount}, and the extra cells are not blank ` +
            '(an unquoted comma?); row skipped',
        );
        return undefined;
      }
    }
    const name = this.cell('Team Name');
    if (name === '') {
      this.report('Team Name', TeamProblemCode.MISSING_TEAM_NAME, 'no team name; row skipped');
      return undefined;
    }
    if (name.length > TEAM_MAX_LENGTH.name) {
      this.report('Team Name', RowProblemCode.INVALID_VALUE, `longer than ${TEAM_MAX_LENGTH.name} characters; row skipped`);
      return undefined;
    }
    const key = teamNameKey(name);
    const firstRow = this.seen.get(key);
    if (firstRow !== undefined) {
      this.report('Team Name', TeamProblemCode.DUPLICATE_TEAM, `${quoteForMessage(name)} already appears in row ${firstRow}; row skipped`);
      return undefined;
    }
    this.seen.set(key, rowNumber);
    const team: CanonicalTeam = { rowNumber, name };

    const owner = this.cell('Team Owner');
    if (owner !== '') {
      if (isEmail(owner.toLowerCase())) team.ownerEmail = owner.toLowerCase();
      else this.report('Team Owner', RowProblemCode.INVALID_EMAIL, `${quoteForMessage(owner)} is not a valid email address; field ignored`);
    }
    const parent = this.cell('Parent Team');
    if (parent !== '') {
      if (parent.length > TEAM_MAX_LENGTH.name) {
        this.report('Parent Team', RowProblemCode.INVALID_VALUE, `longer than ${TEAM_MAX_LENGTH.name} characters; field ignored`);
      } else if (teamNameKey(parent) === key) {
        this.report('Parent Team', TeamProblemCode.SELF_PARENT, `${quoteForMessage(name)} cannot be its own parent team; field ignored`);
      } else {
        team.parentName = parent;
      }
    }
    const type = this.text('Team Type', TEAM_MAX_LENGTH.type);
    if (type !== undefined) team.type = type;
    const description = this.text('Team Description', TEAM_MAX_LENGTH.description);
    if (description !== undefined) team.description = description;
    return team;
  }

  private cell(label: TeamsCsvStandardLabel): string {
    const index = this.header.standard[label];
    return index === undefined ? '' : (this.cells[index] ?? '').trim();
  }

  private text(label: TeamsCsvStandardLabel, max: number): string | undefined {
    const value = this.cell(label);
    if (value === '') return undefined;
    if (value.length <= max) return value;
    this.report(label, RowProblemCode.INVALID_VALUE, `longer than ${max} characters; field ignored`);
    return undefined;
  }

  private report(field: string | undefined, code: string, why: string): void {
    const { fileName, rowNumber } = this;
    if (field === undefined) this.problems.push({ rowNumber, code, message: `${fileName} row ${rowNumber}: ${why}` });
    else this.problems.push({ rowNumber, field, code, message: `${fileName} row ${rowNumber}, ${field}: ${why}` });
  }
}

const TEAMS_FILE: CsvRecordKind<CanonicalTeam, TeamsCsvBatch> = {
  itemKey: 'teams',
  start(cells, { fileName, mapping }) {
    const header = resolveTeamsCsvHeader(cells, fileName, mapping);
    return { mapper: new TeamsCsvRowMapper(fileName, header), headers: header.labels, customFieldLabels: [] };
  },
  batch: (teams, problems) => ({ teams, problems }),
};

/**
 * Streams a teams CSV (R-CSV-03, R-CSV-15) into bounded batches of CanonicalTeam + RowProblem, with the same
 * strictness as readUsersCsv (UTF-8, BOM, bounded records, exact labels or the directory's header mapping).
 */
export function readTeamsCsv(input: Readable, options: ReadTeamsCsvOptions): AsyncGenerator<TeamsCsvBatch, TeamsCsvSummary, undefined> {
  return readCsvRecords(input, options, TEAMS_FILE);
}
