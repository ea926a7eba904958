"""Reports computed in the warehouse: the monthly rotation report (交流轮岗月报) and its outputs."""
