// Builds the dashboard served by the C++ server under /ui/. The CMake target `dashboard` runs
// `vite build --outDir <build dir>/ui`; `npm run dev` serves it with hot reload and forwards the
// API to a running server (RIVET_ENDPOINT, default http://127.0.0.1:6420).
import { defineConfig } from "vite";

const endpoint = process.env.RIVET_ENDPOINT || "http://127.0.0.1:6420";

export default defineConfig({
	base: "/ui/",
	// JSX through esbuild alone: no React plugin needed for a build.
	esbuild: { jsx: "automatic" },
	build: {
		outDir: "dist",
		emptyOutDir: true,
		assetsDir: "assets",
		sourcemap: false,
		target: "es2020",
	},
	server: {
		proxy: {
			"/actors": endpoint,
			"/gateway": endpoint,
			"/metadata": endpoint,
		},
	},
});
