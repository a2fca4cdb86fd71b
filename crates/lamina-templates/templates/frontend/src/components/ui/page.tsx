import { useEffect, useRef, type ReactNode } from "react";

import { env } from "@/config/env";

// A page's heading and title. After a client-side navigation, focus moves to the heading, so a
// screen reader announces the new page as a full load would (the first load keeps the default).

let firstPage = true;

export function Page({ title, children }: { title: string; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · ${env.APP_TITLE}`;
    if (firstPage) {
      firstPage = false;
      return;
    }
    heading.current?.focus();
  }, [title]);
  return (
    <div className="space-y-6">
      <h1 ref={heading} tabIndex={-1} className="text-2xl font-semibold tracking-tight focus:outline-none">
        {title}
      </h1>
      {children}
    </div>
  );
}
