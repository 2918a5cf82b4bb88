/** Black or white, whichever reads better on the color #rrggbb. */
export function textOn(hex) {
	const n = Number.parseInt(hex.slice(1), 16);
	const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
	return 0.299 * r + 0.587 * g + 0.114 * b > 170 ? "#1a1f29" : "#ffffff";
}
