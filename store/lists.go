package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"tvp/domain"
)

// Page is one page of a list and the cursor of the next (empty on the last page).
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// cursor is a position in a list ordered by (created_at, id), newest first.
type cursor struct {
	createdAt time.Time
	id        string
}

func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.createdAt.UTC().Format(time.RFC3339Nano) + "|" + c.id))
}

func parseCursor(s string) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, domain.FieldError("cursor", "is not a cursor from this API")
	}
	at, id, ok := strings.Cut(string(raw), "|")
	t, terr := time.Parse(time.RFC3339Nano, at)
	if !ok || terr != nil || id == "" {
		return nil, domain.FieldError("cursor", "is not a cursor from this API")
	}
	return &cursor{createdAt: t, id: id}, nil
}

// CourseFilter selects courses. Zero fields select everything.
type CourseFilter struct {
	TeamID       string
	ConsultantID string
	Phase        domain.CoursePhase
	DueBefore    *time.Time
	// Scope limits the list to what the caller may see (domain.CourseListScope).
	Scope  domain.CourseScope
	Cursor string
	Limit  int
}

// ListCourses returns a page of courses from the read model, newest first.
func (s *Store) ListCourses(ctx context.Context, f CourseFilter) (Page[domain.CourseRecord], error) {
	cur, err := parseCursor(f.Cursor)
	if err != nil {
		return Page[domain.CourseRecord]{}, err
	}
	where := []string{"c.revision > 0"}
	args := []any{}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.TeamID != "" {
		where = append(where, "c.team_id = "+arg(f.TeamID))
	}
	if f.ConsultantID != "" {
		where = append(where, "EXISTS (SELECT 1 FROM course_consultants cc WHERE cc.course_id = c.id AND cc.active AND cc.staff_id = "+arg(f.ConsultantID)+")")
	}
	if f.Phase != "" {
		where = append(where, "c.phase = "+arg(f.Phase))
	}
	if f.DueBefore != nil {
		where = append(where, "c.next_deadline < "+arg(*f.DueBefore))
	}
	if sc := f.Scope; !sc.All {
		var any []string
		if sc.ConsultantID != "" {
			any = append(any, "EXISTS (SELECT 1 FROM course_consultants cc WHERE cc.course_id = c.id AND (cc.active OR c.closed_on IS NOT NULL) AND cc.staff_id = "+arg(sc.ConsultantID)+")")
		}
		if sc.TeamID != "" {
			any = append(any, "c.team_id = "+arg(sc.TeamID))
		}
		if len(any) == 0 {
			any = append(any, "false")
		}
		where = append(where, "("+strings.Join(any, " OR ")+")")
	}
	if cur != nil {
		where = append(where, "(c.created_at, c.id) < ("+arg(cur.createdAt)+", "+arg(cur.id)+"::uuid)")
	}
	limit := clampLimit(f.Limit)
	q := `SELECT ` + courseColumns + ` c.created_at,
			ARRAY(SELECT citizen_id::text FROM course_citizens WHERE course_id = c.id ORDER BY citizen_id) AS citizens,
			ARRAY(SELECT staff_id FROM course_consultants WHERE course_id = c.id AND active ORDER BY staff_id) AS consultants
		FROM courses c WHERE ` + strings.Join(where, " AND ") + ` ORDER BY c.created_at DESC, c.id DESC LIMIT ` + arg(limit+1)
	var rows []struct {
		courseRow
		CreatedAt time.Time `db:"created_at"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return Page[domain.CourseRecord]{}, fmt.Errorf("list courses: %w", translate(err))
	}
	page := Page[domain.CourseRecord]{Items: make([]domain.CourseRecord, 0, min(len(rows), limit))}
	for i, r := range rows {
		if i == limit {
			page.NextCursor = cursor{createdAt: rows[i-1].CreatedAt, id: rows[i-1].ID}.String()
			break
		}
		page.Items = append(page.Items, r.record())
	}
	return page, nil
}

// PlanFilter selects collaboration plans.
type PlanFilter struct {
	CoordinatorID string
	Phase         domain.PlanPhase
	DueBefore     *time.Time
	// Scope limits the list to what the caller may see (domain.PlanListScope).
	Scope  domain.PlanScope
	Cursor string
	Limit  int
}

// PlanSummary is a plan in a list.
type PlanSummary struct {
	ID                       string           `json:"id" db:"id"`
	CitizenID                string           `json:"citizen_id" db:"citizen_id"`
	CoordinatorID            string           `json:"coordinator_id" db:"coordinator_id"`
	CoordinatingCaseworkerID string           `json:"coordinating_caseworker_id" db:"coordinating_caseworker_id"`
	Phase                    domain.PlanPhase `json:"phase" db:"phase"`
	NextMeetingAt            *time.Time       `json:"next_meeting_at,omitempty" db:"next_meeting_at"`
	NextDeadline             *time.Time       `json:"next_deadline,omitempty" db:"next_deadline"`
	Next                     nextColumn       `json:"next,omitempty" db:"next"`
	// ParticipantIDs are the professionals taking part now (the access rules need them).
	ParticipantIDs pq.StringArray `json:"-" db:"participants"`
	ConsentDate    *time.Time     `json:"consent_date,omitempty" db:"consent_date"`
	EndedOn        *time.Time     `json:"ended_on,omitempty" db:"ended_on"`
	CreatedAt      time.Time      `json:"created_at" db:"created_at"`
}

// ListPlans returns a page of plans from the read model, newest first.
func (s *Store) ListPlans(ctx context.Context, f PlanFilter) (Page[PlanSummary], error) {
	cur, err := parseCursor(f.Cursor)
	if err != nil {
		return Page[PlanSummary]{}, err
	}
	where := []string{"p.revision > 0"}
	args := []any{}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.CoordinatorID != "" {
		where = append(where, "p.coordinator_id = "+arg(f.CoordinatorID))
	}
	if f.Phase != "" {
		where = append(where, "p.phase = "+arg(f.Phase))
	}
	if f.DueBefore != nil {
		where = append(where, "p.next_deadline < "+arg(*f.DueBefore))
	}
	if sc := f.Scope; !sc.All {
		where = append(where, "EXISTS (SELECT 1 FROM collaboration_participants cp WHERE cp.plan_id = p.id AND cp.left_at IS NULL AND cp.staff_id = "+arg(sc.ParticipantID)+")")
	}
	if cur != nil {
		where = append(where, "(p.created_at, p.id) < ("+arg(cur.createdAt)+", "+arg(cur.id)+"::uuid)")
	}
	limit := clampLimit(f.Limit)
	q := `SELECT p.id, p.citizen_id, p.coordinator_id, p.coordinating_caseworker_id, p.phase, p.next_meeting_at,
			p.next_deadline, p.next, p.consent_date, p.ended_on, p.created_at,
			ARRAY(SELECT DISTINCT staff_id FROM collaboration_participants cp WHERE cp.plan_id = p.id AND cp.left_at IS NULL ORDER BY staff_id) AS participants
		FROM collaboration_plans p WHERE ` + strings.Join(where, " AND ") + ` ORDER BY p.created_at DESC, p.id DESC LIMIT ` + arg(limit+1)
	var rows []PlanSummary
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return Page[PlanSummary]{}, fmt.Errorf("list plans: %w", translate(err))
	}
	page := Page[PlanSummary]{Items: rows}
	if len(rows) > limit {
		page.Items = rows[:limit]
		last := rows[limit-1]
		page.NextCursor = cursor{createdAt: last.CreatedAt, id: last.ID}.String()
	}
	if page.Items == nil {
		page.Items = []PlanSummary{}
	}
	return page, nil
}

func clampLimit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 500:
		return 500
	}
	return n
}

// pendingExtensionRow is a row of PendingExtensions.
type pendingExtensionRow struct {
	CourseID    string    ` db:"course_id"`
	TeamID      string    ` db:"team_id"`
	Seq         int       ` db:"seq"`
	RequestedAt time.Time ` db:"requested_at"`
	RequestedBy string    ` db:"requested_by"`
	Reason      string    ` db:"reason"`
	OldEnd      time.Time ` db:"old_end"`
	NewEnd      time.Time ` db:"new_end"`
	// CitizenIDs are whose course it is: not shown, but named in the audit log.
	CitizenIDs pq.StringArray ` db:"citizens"`
}

// PendingExtensions lists the extension requests that wait for a decision, oldest first.
func (s *Store) PendingExtensions(ctx context.Context) ([]domain.PendingExtension, error) {
	out := []pendingExtensionRow{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT e.course_id, c.team_id, e.seq, e.requested_at, e.requested_by, e.reason, e.old_end, e.new_end,
			ARRAY(SELECT citizen_id::text FROM course_citizens WHERE course_id = c.id ORDER BY citizen_id) AS citizens
		FROM course_extensions e JOIN courses c ON c.id = e.course_id
		WHERE e.decision IS NULL AND c.phase = $1 ORDER BY e.requested_at`, domain.PhaseExtensionPending)
	if err != nil {
		return nil, fmt.Errorf("pending extensions: %w", translate(err))
	}
	return convert(out, func(r pendingExtensionRow) domain.PendingExtension {
		return domain.PendingExtension{CourseID: r.CourseID, TeamID: r.TeamID, Seq: r.Seq, RequestedAt: r.RequestedAt,
			RequestedBy: r.RequestedBy, Reason: r.Reason, OldEnd: r.OldEnd, NewEnd: r.NewEnd, CitizenIDs: r.CitizenIDs}
	}), nil
}

// PlanFacts are what the access rules need of a plan, read at once.
type PlanFacts struct {
	ID                       string           `db:"id"`
	CitizenID                string           `db:"citizen_id"`
	CoordinatorID            string           `db:"coordinator_id"`
	CoordinatingCaseworkerID string           `db:"coordinating_caseworker_id"`
	Phase                    domain.PlanPhase `db:"phase"`
	Revision                 int64            `db:"revision"`
	ParticipantIDs           pq.StringArray   `db:"participants"`
}

// PlanFacts returns the plan's people and phase, or ENotFound.
func (s *Store) PlanFacts(ctx context.Context, planID string) (PlanFacts, error) {
	var f PlanFacts
	err := s.db.GetContext(ctx, &f, `
		SELECT p.id, p.citizen_id, p.coordinator_id, p.coordinating_caseworker_id, p.phase, p.revision,
			ARRAY(SELECT DISTINCT staff_id FROM collaboration_participants cp WHERE cp.plan_id = p.id AND cp.left_at IS NULL ORDER BY staff_id) AS participants
		FROM collaboration_plans p WHERE p.id = $1`, planID)
	if err != nil {
		return f, fmt.Errorf("plan %s: %w", planID, notFound(err, "plan %s does not exist", planID))
	}
	return f, nil
}

// CitizenCase is one of a citizen's own plans or courses, for their pages.
type CitizenCase struct {
	Type  domain.SubjectType `db:"type"`
	ID    string             `db:"id"`
	Phase string             `db:"phase"`
	Since time.Time          `db:"since"`
}

// CitizenCases returns a citizen's plans and courses (a family course's members each have
// it), the newest first.
func (s *Store) CitizenCases(ctx context.Context, citizenID string) ([]CitizenCase, error) {
	var out []CitizenCase
	err := s.db.SelectContext(ctx, &out, `
		SELECT 'plan' AS type, id::text, phase, created_at AS since FROM collaboration_plans WHERE citizen_id = $1
		UNION ALL
		SELECT 'course', c.id::text, c.phase, c.start_date::timestamptz FROM courses c
			JOIN course_citizens cc ON cc.course_id = c.id WHERE cc.citizen_id = $1
		ORDER BY since DESC, id`, citizenID)
	if err != nil {
		return nil, fmt.Errorf("citizen %s cases: %w", citizenID, translate(err))
	}
	return out, nil
}
