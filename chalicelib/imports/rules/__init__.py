"""The imports feature's decisions, pure Python: decoding a file, reading its CSV records,
mapping its columns, turning a row into a contact draft or a rejection, neutralising the
cells of a CSV we write back, and the import and export jobs' shapes."""
