import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Request, Response } from 'express';
import { Public } from '@roster/observability';

export const CONSOLE_ROOT = Symbol('CONSOLE_ROOT');

const PREFIX = '/console/';

/**
 * The console only talks to this origin's admin API: no inline script or style, no frame, no other origin.
 * The page itself holds no secret (the admin's key stays in the tab's sessionStorage).
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Issue 9: the admin console's static files (built by Vite into dist/apps/admin-console) at /console/. Every path
 * without a file extension is a page of the single-page app and gets index.html, so console links can be
 * reloaded and bookmarked; files are served from the build folder only (send refuses `..` and dotfiles). No API
 * key is needed to load the page: the console asks for one and sends it to the admin API, which checks it.
 */
@Public()
@Controller('console')
export class ConsoleController {
  constructor(@Inject(CONSOLE_ROOT) private readonly root: string) {}

  @Get(['', '{*path}'])
  serve(@Req() req: Request, @Res() res: Response): void {
    if (!req.path.startsWith(PREFIX)) {
      const query = req.originalUrl.slice(req.path.length);
      res.redirect(308, `${PREFIX}${query}`);
      return;
    }
    let file: string;
    try {
      file = decodeURIComponent(req.path.slice(PREFIX.length));
    } catch {
      this.notFound(res, req.path);
      return;
    }
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const last = file.split('/').pop() ?? '';
    if (!last.includes('.')) {
      this.index(res);
      return;
    }
    const hashed = file.startsWith('assets/');
    res.sendFile(
      file,
      // Vite names assets by content hash, so they never change; everything else is revalidated.
      { root: this.root, dotfiles: 'deny', maxAge: hashed ? '365d' : 0, immutable: hashed },
      (error) => {
        if (error && !res.headersSent) this.notFound(res, req.path);
      },
    );
  }

  private index(res: Response): void {
    if (!existsSync(join(this.root, 'index.html'))) {
      res.status(503).json({ code: 'CONSOLE_NOT_BUILT', message: `the admin console is not built (no index.html in ${this.root}); run npm run build` });
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile('index.html', { root: this.root });
  }

  private notFound(res: Response, path: string): void {
    res.status(404).json({ code: 'CONSOLE_FILE_NOT_FOUND', message: `no console file at ${path}` });
  }
}
