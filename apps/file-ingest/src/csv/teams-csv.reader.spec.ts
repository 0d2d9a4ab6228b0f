import fc from 'fast-check';
import { CanonicalTeam } from '@roster/contracts';
import { CsvImportException, CsvImportExceptionCode } from './csv-import.exception';
import { TEAM_MAX_LENGTH, TeamsCsvBatch, readTeamsCsv } from './teams-csv.reader';
import { byteStream, toCsv } from './users-csv.test-helpers';

async function readTeams(content: string | Buffer, options: { headerMapping?: Record<string, string>; batchSize?: number } = {}, chunkSize?: number) {
  const reader = readTeamsCsv(byteStream(content, chunkSize), { fileName: 'teams.csv', dateFormat: 'dd/mm/yyyy', ...options });
  const batches: TeamsCsvBatch[] = [];
  for (let step = await reader.next(); ; step = await reader.next()) {
    if (step.done === true) {
      return { batches, summary: step.value, teams: batches.flatMap((b) => b.teams), problems: batches.flatMap((b) => b.problems) };
    }
    batches.push(step.value);
  }
}

async function refused(content: string | Buffer, options: { headerMapping?: Record<string, string> } = {}): Promise<CsvImportException> {
  try {
    await readTeams(content, options);
  } catch (error) {
    if (error instanceof CsvImportException) return error;
    throw error;
  }
  throw new Error('expected the file to be rejected');
}

const HEADER = ['Team Name', 'Team Owner', 'Parent Team', 'Team Type', 'Team Description'];

describe('readTeamsCsv (R-CSV-03)', () => {
  it('R-CSV-03 reads every standard label into a CanonicalTeam, blanks left out (R-CSV-07)', async () => {
    const file = toCsv([
      HEADER,
      ['Engineering', 'CTO@Acme.test', '', 'Department', 'Builds things'],
      ['Platform', '', 'Engineering', '', ''],
    ]);
    const { teams, problems, summary } = await readTeams(`\uFEFF${file}`);
    expect(problems).toEqual([]);
    expect(teams).toEqual([
      { rowNumber: 2, name: 'Engineering', ownerEmail: 'cto@acme.test', type: 'Department', description: 'Builds things' },
      { rowNumber: 3, name: 'Platform', parentName: 'Engineering' },
    ]);
    expect(summary).toMatchObject({ rows: 2, records: 2, problems: 0, headers: HEADER });
  });

  it('R-CSV-01 takes labels through the directory header mapping and refuses near misses', async () => {
    const mapped = await readTeams(toCsv([['Group', 'Lead'], ['Sales', 'lee@acme.test']]), { headerMapping: { Group: 'Team Name', Lead: 'Team Owner' } });
    expect(mapped.teams).toEqual([{ rowNumber: 2, name: 'Sales', ownerEmail: 'lee@acme.test' }]);
    const nearMiss = await refused(toCsv([['team name'], ['Sales']]));
    expect(nearMiss.code).toBe(CsvImportExceptionCode.HEADER_LABEL_MISMATCH);
  });

  it('R-CSV-03 R-CSV-15 a file without a Team Name column is rejected whole with the labels it has', async () => {
    const error = await refused(toCsv([['User Email', 'User Name'], ['a@x.com', 'A']]));
    expect(error.code).toBe(CsvImportExceptionCode.HEADER_MISSING);
    expect(error.message).toMatch(/no "Team Name" column \(found labels "User Email", "User Name"\)/);
  });

  it('R-CSV-03 Team Name is required and unique (case-insensitive); bad optional fields are row problems, the rest applies', async () => {
    const { teams, problems } = await readTeams(
      toCsv([
        HEADER,
        ['', 'a@x.com', '', '', ''],
        ['Sales', 'not-an-email', 'sales', '', ''],
        ['SALES', '', '', '', ''],
        ['Ops', '', 'x'.repeat(TEAM_MAX_LENGTH.name + 1), 'T', 'd'.repeat(TEAM_MAX_LENGTH.description + 1)],
      ]),
    );
    expect(teams).toEqual([
      { rowNumber: 3, name: 'Sales' },
      { rowNumber: 5, name: 'Ops', type: 'T' },
    ]);
    expect(problems.map((p) => [p.rowNumber, p.field, p.code])).toEqual([
      [2, 'Team Name', 'MISSING_TEAM_NAME'],
      [3, 'Team Owner', 'INVALID_EMAIL'],
      [3, 'Parent Team', 'SELF_PARENT'],
      [4, 'Team Name', 'DUPLICATE_TEAM'],
      [5, 'Parent Team', 'INVALID_VALUE'],
      [5, 'Team Description', 'INVALID_VALUE'],
    ]);
    for (const p of problems) expect(p.message.startsWith(`teams.csv row ${p.rowNumber}`)).toBe(true);
  });

  it('R-CSV-15 R-SAFE-02 the same byte-level strictness as the users file: not UTF-8, binary, empty, header only', async () => {
    expect((await refused(Buffer.concat([Buffer.from('Team Name\nCaf'), Buffer.from([0xe9]), Buffer.from('\n')]))).code).toBe(CsvImportExceptionCode.NOT_UTF8);
    expect((await refused(Buffer.from('Team Name\nab\u0000c\n'))).code).toBe(CsvImportExceptionCode.NOT_CSV);
    expect((await refused('')).code).toBe(CsvImportExceptionCode.EMPTY_FILE);
    const headerOnly = await readTeams('Team Name,Team Owner\r\n');
    expect(headerOnly.teams).toEqual([]);
    expect(headerOnly.summary.rows).toBe(0);
  });

  it('batches like the users file: at most batchSize entries, teams of a row kept together', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => [`Team ${i}`]);
    const { batches, teams } = await readTeams(toCsv([['Team Name'], ...rows]), { batchSize: 10 });
    expect(batches.map((b) => b.teams.length)).toEqual([10, 10, 5]);
    expect(teams).toHaveLength(25);
  });

  it('R-CSV-03 every team emitted is canonical, whatever the cells (fast-check)', async () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'B', ' ', ',', '"', '\n', '@', '.', 'é'), maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(cell, { minLength: 5, maxLength: 5 }), { maxLength: 10 }), fc.integer({ min: 1, max: 16 }), async (rows, chunk) => {
        const { teams } = await readTeams(toCsv([HEADER, ...rows]), {}, chunk);
        for (const team of teams) expect(CanonicalTeam.parse(team)).toEqual(team);
        expect(new Set(teams.map((t) => t.name.toLowerCase())).size).toBe(teams.length);
      }),
      { numRuns: 1000 },
    );
  });
});
