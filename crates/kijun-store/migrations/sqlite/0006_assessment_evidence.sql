-- Evidence attached to an assessment: who may see it follows the
-- assessment (tenant staff) and the uploader's party (a vendor sees only
-- its own party's files; NULL = uploaded by tenant staff).

CREATE TABLE assessment_evidence (
    evidence_id    TEXT PRIMARY KEY REFERENCES evidence (id),
    assessment_id  TEXT NOT NULL REFERENCES assessments (id),
    party          TEXT CHECK (party IN ('integrator', 'provider'))
);
CREATE INDEX assessment_evidence_assessment ON assessment_evidence (assessment_id);
