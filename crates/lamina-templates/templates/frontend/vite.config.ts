import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// `lamina dev` runs this dev server with the VITE_* values of the local stack; `lamina deploy`
// builds with each stage's. Assets get content hashes in their names (the deploy caches them for
// a year and only index.html is revalidated).
export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: { "@": "/src" },
  },
  server: {
    port: 5173,
    strictPort: true,
  },
  test: {
    environment: "happy-dom",
    setupFiles: ["./src/testing/setup.ts"],
    // What `lamina dev` would give; tests never reach these addresses.
    env: {
      VITE_API_URL: "http://api.test",
      VITE_COGNITO_AUTHORITY: "http://auth.test/local_pool",
      VITE_COGNITO_CLIENT_ID: "test-client",
      VITE_COGNITO_DOMAIN: "http://auth.test",
      VITE_APP_TITLE: "Test app",
    },
    restoreMocks: true,
  },
});
