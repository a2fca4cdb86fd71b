import type { ReactNode } from "react";

import { env } from "@/config/env";

export function Layout({ actions, children }: { actions?: ReactNode; children: ReactNode }) {
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-4xl items-center justify-between gap-4 px-6 py-4">
          <a href="/" className="text-lg font-semibold tracking-tight">
            {env.APP_TITLE}
          </a>
          {actions}
        </div>
      </header>
      <main className="mx-auto max-w-4xl px-6 py-8">{children}</main>
    </div>
  );
}
