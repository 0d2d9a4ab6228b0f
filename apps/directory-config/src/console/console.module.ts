import { DynamicModule, Module } from '@nestjs/common';
import { join } from 'node:path';
import { CONSOLE_ROOT, ConsoleController } from './console.controller';

/**
 * Where the build puts the console, seen from this file in dist/ (dist/apps/directory-config/src/console ->
 * dist/apps/admin-console): the services run from dist/, and the container image copies dist/ whole.
 */
export const DEFAULT_CONSOLE_ROOT = join(__dirname, '..', '..', '..', 'admin-console');

/** Issue 9: serves the admin console (a static single-page app over the admin API) at /console/. */
@Module({})
export class ConsoleModule {
  static register(options: { root?: string } = {}): DynamicModule {
    return {
      module: ConsoleModule,
      controllers: [ConsoleController],
      providers: [{ provide: CONSOLE_ROOT, useValue: options.root ?? DEFAULT_CONSOLE_ROOT }],
    };
  }
}
