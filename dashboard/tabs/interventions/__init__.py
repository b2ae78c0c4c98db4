"""The Interventions tab: the queue (here), the new intervention form (``form/``) and the manage dialog (``manage/``)."""
