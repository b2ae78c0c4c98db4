"""The Risk Segments tab: the segment cards and the filtered, sorted, paged client table."""
