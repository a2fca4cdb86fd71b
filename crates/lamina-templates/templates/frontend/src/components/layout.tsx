import { NavLink, Outlet } from "react-router";

import { env } from "@/config/env";
import { UserMenu } from "@/features/auth/components/user-menu";

export type NavLinkItem = { to: string; label: string };

/** The header (title, `nav`, sign-in state) and the page. */
export function AppLayout({ nav }: { nav: NavLinkItem[] }) {
  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only rounded bg-white px-3 py-2 focus:not-sr-only focus:absolute focus:top-2 focus:left-2"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-4xl flex-wrap items-center justify-between gap-4 px-6 py-4">
          <div className="flex items-center gap-6">
            <span className="text-lg font-semibold tracking-tight">{env.APP_TITLE}</span>
            <nav aria-label="Main">
              <ul className="flex gap-4 text-sm">
                {nav.map((link) => (
                  <li key={link.to}>
                    <NavLink
                      to={link.to}
                      end
                      className={({ isActive }) =>
                        isActive ? "font-semibold text-slate-900" : "text-slate-600 hover:text-slate-900"
                      }
                    >
                      {link.label}
                    </NavLink>
                  </li>
                ))}
              </ul>
            </nav>
          </div>
          <UserMenu />
        </div>
      </header>
      <main id="main" className="mx-auto max-w-4xl px-6 py-8">
        <Outlet />
      </main>
    </div>
  );
}
