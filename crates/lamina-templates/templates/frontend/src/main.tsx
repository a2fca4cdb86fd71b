import { createRoot } from "react-dom/client";

import "./index.css";

import { App } from "@/app";
import { env } from "@/config/env";

document.title = env.APP_TITLE;

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root element");
createRoot(root).render(<App />);
