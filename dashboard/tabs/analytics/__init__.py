"""The Analytics tab: KPIs of a period and segment against the previous period, trends and the team."""
