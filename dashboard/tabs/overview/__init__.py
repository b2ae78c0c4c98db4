"""The Overview tab: stat cards, the score distribution, risk breakdown and the recently scored clients."""
