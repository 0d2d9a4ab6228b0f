export * from './hris-emulator';
export * from './hris-fixtures';
