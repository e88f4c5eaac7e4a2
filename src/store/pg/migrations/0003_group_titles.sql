-- Groups keep the chat's title and the area they belong to (the area
-- goes in the existing `area` column).
ALTER TABLE links ADD COLUMN title TEXT;
