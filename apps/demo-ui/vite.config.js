// Builds the demo page that rivet-demo serves at `/` (docs/demo.md). The CMake target `demo-ui`
// runs `vite build --outDir <build dir>/demo-ui`; `npm run dev` serves it with hot reload and
// forwards the API (and the WebSockets) to a running server (RIVET_ENDPOINT, default
// http://127.0.0.1:6420, e.g. `make run`).
import { defineConfig } from "vite";

const endpoint = process.env.RIVET_ENDPOINT || "http://127.0.0.1:6420";

export default defineConfig({
	base: "/",
	// JSX through esbuild alone, as the dashboard: no React plugin needed for a build.
	esbuild: { jsx: "automatic" },
	build: {
		outDir: "dist",
		emptyOutDir: true,
		assetsDir: "assets",
		sourcemap: false,
		target: "es2020",
		// The official client is most of the bundle; one file is fine for a demo.
		chunkSizeWarningLimit: 2048,
		rollupOptions: {
			// zod (inside rivetkit) writes @__PURE__ comments where Rollup cannot use them: harmless.
			onwarn(warning, warn) {
				if (warning.code === "INVALID_ANNOTATION") return;
				warn(warning);
			},
		},
	},
	server: {
		proxy: {
			"/actors": endpoint,
			"/metadata": endpoint,
			"/gateway": { target: endpoint, ws: true },
		},
	},
});
