-- What the database holds after a load, per log.
SELECT log, count(*) AS files, sum(rows_loaded), sum(rows_rejected), sum(duplicates) FROM loaded_files GROUP BY log
