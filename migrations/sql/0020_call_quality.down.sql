DROP TABLE IF EXISTS call_quality_samples;
