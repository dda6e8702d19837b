-- Each control's carried-over findings (<carried_over>: carried_over.sql), and how many are waived.
SELECT control, count(*), count(waiver) FROM ({carried_over}) GROUP BY control
