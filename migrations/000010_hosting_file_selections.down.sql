DROP TABLE hosting_file_selections;
