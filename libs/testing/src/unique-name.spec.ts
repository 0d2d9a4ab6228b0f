import { uniqueName } from './unique-name';

describe('uniqueName', () => {
  it('is a short lower-case token valid as a Postgres identifier and a NATS stream name', () => {
    for (const label of ['Orders', 'run events.v1 > *', '42 things', '', 'ünïcode-ß']) {
      const name = uniqueName(label);
      expect(name).toMatch(/^[a-z][a-z0-9_]{0,34}$/);
    }
    expect(uniqueName('Run Events.v1')).toMatch(/^run_events_v1_[a-z0-9]{10}$/);
  });

  it('differs on every call', () => {
    const names = new Set(Array.from({ length: 1000 }, () => uniqueName('same')));
    expect(names.size).toBe(1000);
  });
});
