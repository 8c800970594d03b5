"""Following outlets (issue 21): ``veille watch`` polls the registry's feeds, ingests each new article once
and runs the pipeline on them in batches (``poll``); ``veille sources status`` reports each source's health
(``status``); watches and alerts tell a user what is new in the stories they follow (``alerts``)."""
