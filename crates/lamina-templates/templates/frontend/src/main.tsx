import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import "./index.css";

import { App } from "@/app";
import { ConfigError } from "@/components/errors/config-error";
import { envResult } from "@/config/env";

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root element");

if (envResult.ok) {
  document.title = envResult.env.APP_TITLE;
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
} else {
  console.error(`The app's environment is incomplete:\n- ${envResult.problems.join("\n- ")}`);
  createRoot(root).render(<ConfigError problems={envResult.problems} />);
}
