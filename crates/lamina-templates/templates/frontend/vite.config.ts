import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `lamina dev` serves this app and the API behind one origin; run alone, the API is
// reached at VITE_API_URL (see src/config/env.ts).
export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: { "@": "/src" },
  },
  server: {
    port: 5173,
    strictPort: true,
  },
});
