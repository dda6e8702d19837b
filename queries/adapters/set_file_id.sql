-- The loaded file (loaded_files) of the canonical rows one export's mapped records of one log became.
UPDATE source_events SET file_id = $file_id WHERE sha256 = $sha AND status = 'mapped' AND log = $log
